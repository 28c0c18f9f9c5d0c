— assay/assay-demo ND0ANu27LDpdYChE5f0cEvj6LEJhU/+ovZOMRmsdh7I+o8DijnKL1Jl+MHSCqzgmucxeBRXI+t2KF6v34RCRSMlZiAg=
