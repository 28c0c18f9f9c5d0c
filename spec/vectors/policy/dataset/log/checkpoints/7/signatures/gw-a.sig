— assay/assay-policy-vectors 7s9aNwQIEpVx//2uydfM+ogdVUL+ZaNx5a9W1TocH5h2Rx6nHZRDig6PWcQ8j/gMhmCjcxp4bb2+FTbG0brwH3NNpwA=
