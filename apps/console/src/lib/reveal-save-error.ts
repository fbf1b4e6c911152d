/**
 * After a refused save, brings its error into view: the first field marked invalid gets the focus (its message is
 * beside it), otherwise the page scrolls to the top where the form's general error shows. Without this, a click on
 * Save at the bottom of a long form seemed to do nothing.
 */
export function revealSaveError(): void {
  window.requestAnimationFrame(() => {
    const invalid = document.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (invalid) invalid.focus();
    else window.scrollTo({ top: 0, behavior: 'smooth' });
  });
}
