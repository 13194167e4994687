; Map definitions in both styles:
;   legacy  `struct bpf_elf_map __section_maps NAME = { .type = …, .id = … };`
;   BTF     `struct { __uint(type, …); … } NAME __section_maps_btf;`
; (the section macros are blanked before parsing; the caller keeps only declarations mentioning BPF_MAP_TYPE_).
(translation_unit
  (declaration
    type: (struct_specifier)
    declarator: (init_declarator declarator: (identifier) @name value: (initializer_list))) @definition.map)

(translation_unit
  (declaration
    type: (struct_specifier body: (field_declaration_list))
    declarator: (identifier) @name) @definition.map)
