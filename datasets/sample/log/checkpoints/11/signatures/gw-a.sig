— assay/assay-demo ND0ANmxHe+rBkrCtW/q0RpQQmBw/zXSew7H+Kqn/zgdH1+Nw7DDJS4UPZTBq4IM/TlxpW4OAWpMplArz3bdxNOdd3A8=
