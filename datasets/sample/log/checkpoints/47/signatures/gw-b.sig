— assay/assay-demo iltp0+Z8+mjmGcKyyaam+lIgNCm720qR6o6tl/IxVqI8h4wT8PT/k/8Z45BnG30z2z4LgN50Jq727mH1XldYC9EoiwI=
