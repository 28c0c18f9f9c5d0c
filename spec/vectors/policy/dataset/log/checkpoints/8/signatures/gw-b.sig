— assay/assay-policy-vectors N0+4jCgmi/CtrK3Kv2z/JzYd21gdi0Y2kQGuF0Ui1NutIn+NrVskWZrb4VZp9eryxu1JmYi7TyeoDzwlq/4b/MVOqAM=
