— assay/assay-demo z4hh9I7r6siy875mKh++X5C8M6+wa+8X+ud1uWYqM80aBTPKtEHc1kDMNB5rp2fCS4/4fie5HmN+ZZU3sg2MnQRxbwY=
