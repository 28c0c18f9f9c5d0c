— assay/assay-sharded-vectors 1Iypr/ruw4+NyHxqP//LcXSJ6jKQHcJuahC2PUfqFFkKXEd5jEYvu5WBxEeS82/CNMR24qQUujnZ6vuirQcq1kb+mwI=
