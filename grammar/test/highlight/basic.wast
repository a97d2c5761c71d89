   (module $m
;; ^ punctuation.bracket
;;  ^ keyword
;;         ^ module
     (func $f (param $x i32) (result (ref null $t))
;;    ^ keyword
;;         ^ function
;;                   ^ variable.parameter
;;                      ^ type.builtin
;;                                    ^ keyword.modifier
;;                                             ^ type
       block $l (result i32)
;;     ^ keyword
;;           ^ label
         i32.load offset=4 (local.get $x)
;;       ^ function.builtin
;;                ^ property
;;                                    ^ variable
         f32.const -nan:0x1 drop ;; done
;;       ^ function.builtin
;;                 ^ number.float
;;                               ^ comment
       end (if (then) (else)) (@hint "x")))
;;     ^ keyword
;;          ^ keyword.conditional
;;              ^ keyword.conditional
;;                             ^ attribute
   (assert_return (invoke "f" (i32.const 1)) (i32.const 2))
;;  ^ keyword.directive
;;                 ^ keyword.directive
;;                        ^ string
;;                                       ^ number
