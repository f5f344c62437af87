// Labels as a person reads them: the name in the interface language, and a mark that carries a letter
// as well as the colour, so colour is never the only signal (colour-blind readers, greyscale screens).

const LANG = document.documentElement.lang || "en";

/** The label's name in the interface language; its identifier only as the last resort. */
export function labelName(label) {
  if (!label) return "";
  if (LANG === "ar" && label.name_ar) return label.name_ar;
  return label.name_en || label.name.replace(/_/g, " ");
}

/** Dark or white ink, whichever reads better on `hex` (WCAG relative luminance). */
export function inkOn(hex) {
  const channel = (i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return luminance > 0.18 ? "#111111" : "#ffffff";
}

/** A small coloured square with the label's first letter on it. */
export function labelMark(label, className = "label-mark") {
  const mark = document.createElement("span");
  mark.className = className;
  mark.setAttribute("aria-hidden", "true");
  const color = /^#[0-9a-fA-F]{6}$/.test(label?.color ?? "") ? label.color : "#777777";
  mark.style.backgroundColor = color;
  mark.style.color = inkOn(color);
  mark.textContent = Array.from(labelName(label))[0] ?? "•";
  return mark;
}

/** A label-bar button: hotkey, mark, name. */
export function labelButton(label, key) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "label-button";
  button.dataset.label = label.name;
  const kbd = document.createElement("kbd");
  kbd.textContent = key;
  const name = document.createElement("span");
  name.className = "label-name";
  name.textContent = labelName(label);
  button.append(kbd, labelMark(label), name);
  button.title = key ? interpolate(gettext("%(name)s (key %(key)s)"), { name: labelName(label), key }, true) : labelName(label);
  // mousedown would clear the text selection before the click arrives
  button.addEventListener("mousedown", (event) => event.preventDefault());
  return button;
}
