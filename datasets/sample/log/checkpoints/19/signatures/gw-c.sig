— assay/assay-demo z4hh9K+eQbs2/ick131NZy1ZUlUIxiJrTG1QeVV/18XqFt1ZN5jFoZQHUwqhzpMmKO/GLkXCFFccnuZ8ywE6PnAt+w0=
