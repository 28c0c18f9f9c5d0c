— assay/assay-policy-vectors hU+xVZwVpjZYE41CXPQ4AQg4m6fDhVTswyniKeoDFlEDRppgl+yVjvFKGyRb/M/FwhCx/JU56ojWQvigLKKyvZfmogs=
