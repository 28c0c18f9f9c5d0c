— assay/assay-demo ND0ANtBmsWd+9+lW/vteV9t/m/ek3HsyNa+oMVqxwfAUqLvTVlvdsgZah8/9hseypGpjLQpG7O5Z7tNhSFJ9mF5m3wE=
