— assay/assay-demo iltp025j4/nIrT4ch5llVvU5oSI5suvNffgd575PZulhAOcJDGltjr+lM+a25x3qJa/a9rMi8O+2kQlDD0cQswseXQc=
