— assay/assay-demo z4hh9NvjnOzs3n+4YN+aBjFCb/pqy12J+01B+tO1XZsAV8UXy8nYIcU4TtaQVr6Qx1aimK5jUSUbvP2+luPuTLWfhAs=
