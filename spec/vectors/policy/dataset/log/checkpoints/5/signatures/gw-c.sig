— assay/assay-policy-vectors 736ga/SqE+apWUNKTcJPkiSOWbRf//fFO5AD/YFDXTuAU2g0uWieIRXAIjb+Q/ndcRFlP3FLi1ZAechJONa8hWqpSwE=
