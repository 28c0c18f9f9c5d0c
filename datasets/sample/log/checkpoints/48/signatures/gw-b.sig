— assay/assay-demo iltp00MZFcNdbrOY+V/aRt9uDFlG49CAd+ciN27gmwz/osNk0o4aT6UN56WZQ1P/brTcbnzNj3QLtIBmWFAc+C226A8=
