— assay/assay-demo iltp03WtB9oDyfsaNLAeg/bLEZV/nCxS1ultzoQgUnLbYcs/3tz3+sO1OJUwPaxpTbqmfkXkLDQtswqUthOCGyXN+go=
