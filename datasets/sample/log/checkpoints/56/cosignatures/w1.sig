— witness.assay-demo.invalid/w1 f5qDZQAAAABpYG8w+SCLHa43RfYVvtb9CYeHMjPq+9yjIG/5th1r6W/3DJ5l6x0MV3/kcLrWu39Au7cPojuzCbxirfdy4wpzXCfgAg==
