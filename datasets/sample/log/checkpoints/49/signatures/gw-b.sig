— assay/assay-demo iltp0+J0MtfBCwSV+xHmuAV/V3nwxvii3vjK6QZtVggORtXBkBhWv+xHrJr9InTMninEY+7ovxAjLjSX/imAy5Cy3Qo=
