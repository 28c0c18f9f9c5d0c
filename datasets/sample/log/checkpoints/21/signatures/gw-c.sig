— assay/assay-demo z4hh9IGEEACg/lD+VquB5ICAh3o/jAxNVKRht7oCtBmeRAgLV+HNbo+C1K/fdKqQzgdvZmdmsDpmTGC5oMfgYObQrQ4=
