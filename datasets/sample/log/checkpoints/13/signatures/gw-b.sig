— assay/assay-demo iltp06OpADbi7yrOrAjgrOzM8kfcO+GJ/CghHI+jbUC0vblY+6wGtJyDVNFM2QfkNaKBZk7X2iIpOb56FFI/QvOxjAc=
