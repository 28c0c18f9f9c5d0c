— assay/assay-demo ND0ANsbiDpsJ2cR1AD65+qTQ4ed5aknOlNk1vnqAtkeWqKLtgX/+Ss6bSYa/UnYYtYFOrQh6A+jxNwCBxRXtc2QnFQE=
