// This module is empty on purpose: it keeps the Go tools of the main
// module out of tools/node_modules, where npm packages ship Go templates.
module github.com/yourang/yourang/tools

go 1.26
