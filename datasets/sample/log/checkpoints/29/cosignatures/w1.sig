— witness.assay-demo.invalid/w1 f5qDZQAAAABpWykwGmZZIVMfv4T+lnffaGzRD4hP+/icQTB+TOUWbmx8aJcRTdJh0g+v9Vl1909ayB00NhxsMaoImlD9NTfF73oHAA==
