— assay/assay-demo z4hh9MEAVGr7D0xCgfhQawS+4L6iObe3Zum2JYqBREN9UmnEe+LHAG+0+0jf5YWK31uN1zvdJb4PXaUun/9LA8bNlgA=
