— assay/assay-vectors yD8kJI+zALJiJajg5S/u5AaxWS8KoUeieB+hVe/3DVVUAgrQx5wz9Q403IZpYY4rBhBvBvLE1P/vCN2ISbfVgQH63g0=
