— assay/assay-demo ND0ANnBpWGIUMQHpgG6VQJ+0SMjpS/uCaAGjWht+djUQaUC/ze3qZzum/hDVuQT8yosIEFVDMgl209VQIhacomdTVgI=
