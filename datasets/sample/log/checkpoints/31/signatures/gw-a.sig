— assay/assay-demo ND0ANskihbv7glDO+ZaNmKP3GRo/eZT+eKzMNPeVPcu4VP2lF3IZf+EgFMmGDMEg0gPieiUNVa7RbdwpVUJ74E/WWAQ=
