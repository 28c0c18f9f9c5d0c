— witness.assay-demo.invalid/w1 f5qDZQAAAABpVzSwuWA5HccNvzR1wNSGkZh/eDYyvp/Z7v/mmUyIuLDjoSNM97Db8R8n+FhmCFafSHJ5Mfb5Zo5w0bPeVzqpOMo4Cg==
