— witness.assay-demo.invalid/w1 f5qDZQAAAABpVzSwigOr9Dpg7affgeLimT6oETett+ytmADsxnf68wQko4+rVSzPy7sjhdvghHFnRLu/Sl7bbGwB/zOBpqFrtCOhAg==
