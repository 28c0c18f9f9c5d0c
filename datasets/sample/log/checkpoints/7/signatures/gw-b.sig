— assay/assay-demo iltp03qs+4e7Kf3tByQ+OfrJb/BeuuSy8mIQ8PF8LsFymUOzf1e/Xc1SEcc41inwNv0JCM5tpSUH53/BNG8imSoRhQA=
