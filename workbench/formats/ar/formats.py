# Arabic with Western digits (the default; Arabic-Indic digits are a per-user preference applied in
# the page): "." for decimals as CLDR's ar-u-nu-latn has it. Django's own ar formats use "," for
# decimals, which reads as a thousands separator next to Western digits ("1,000" for 1.0).
# Everything not set here (dates, month names) comes from Django's ar formats.
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
