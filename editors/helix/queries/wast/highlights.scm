; inherits: wat
