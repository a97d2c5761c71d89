; Text objects for Helix (`maf`, `mac`, `mat`, `]f`, ...).
(func) @function.around
(type_field) @class.around
(rec_type) @class.around
[(param) (local) (result)] @parameter.around
[(comment) (block_comment)] @comment.inside
[(comment) (block_comment)] @comment.around
(assertion) @test.around
