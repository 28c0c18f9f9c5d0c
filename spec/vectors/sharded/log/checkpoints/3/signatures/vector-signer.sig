— assay/assay-sharded-vectors 1Iypr8ljJZ425Sss3Bwj/1tEWCmqAhHNUu4+S06LKYm/128pHwRR4/WYOp45iVVGok13jrk09oBYFyQnW/Xt8X3C5QE=
