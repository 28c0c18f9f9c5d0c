— assay/assay-policy-vectors 7s9aN15YhmBDnBAazueQv3zGeEOhh/YUJ/iER+/yug/SH1h4QiESgYCfmM4P27yphqdsH5wvb4KrR1iE9rD+XzP6Qwo=
