— assay/assay-demo ND0ANn/23fTV57ysXqIcvK+0+cAgPzXB11nuGufBIT/zqiW/SBKAfBD6sTpFdEb4YIewQNgHRUknyyX3YGHGJV4zpQo=
