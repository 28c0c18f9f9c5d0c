— assay/assay-policy-vectors 736gaxU7k8SUmdJS7PxAWJLQn/HeG8+5ix/JewjyVFFE05++O+MliKVk7V7f5z4LqJBnHDCKbKA/xXto+/Z0v80exwg=
