module github.com/yourang/yourang

go 1.26.0
