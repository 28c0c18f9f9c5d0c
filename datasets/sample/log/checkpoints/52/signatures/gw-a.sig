— assay/assay-demo ND0ANvpxv4Jr6t+tNPlzQ1nHdQ9kyEvtblIbqevk77H3BqxL7PsoXJv63zns+O+2hxc/oFRRA9/xlgoGdw8uBa7Y/Qc=
