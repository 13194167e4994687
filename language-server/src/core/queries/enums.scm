; Enumerator lists (slot numbers may be enum members).
(enumerator_list) @enum
