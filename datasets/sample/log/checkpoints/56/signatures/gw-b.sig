— assay/assay-demo iltp09sjPRCOgxJSSVj/L1O8NeZMkfNwTYm4O/FL2mJKKU4yoeujMLf3wqUY/Q//m+LQuJdGwaA2LTdL2QiqvD0HQwo=
