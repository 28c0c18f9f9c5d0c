— assay/assay-demo iltp05aA1NQ3SpMYAzTfc2W/f+YLBcR0l5A6Vw6XyTg8FdfAte2wl7fm+CkK5SIh4ssZpir8/AXDiTmwj1kzad5r/wc=
