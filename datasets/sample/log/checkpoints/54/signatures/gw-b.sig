— assay/assay-demo iltp02jUHZY/A/Ies/nZITMxeACoshBN69lw/LqpL9zc5fke4Fq8M+UyMN8AOCHyxK5E49wZKr3VWCo660UWK2EnyQE=
