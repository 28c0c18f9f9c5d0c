— assay/assay-demo ND0ANl2yCp/MfQwucZgGA67XUH9+6FLRp+8C129Iq6cDtBW/dazoMKC3uO9+HDwfBoZa2dMJ/R1EPZfrbLueGt35NQg=
