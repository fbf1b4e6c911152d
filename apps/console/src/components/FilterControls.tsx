/** A labelled select of a filter form: "Any" (the empty value) or one of `options`. */
export function AnyOfSelect({
  id,
  label,
  value,
  options,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  options: readonly string[];
  onChange: (value: string) => void;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Any</option>
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </div>
  );
}

/** The Filter button of a filter form, and Clear when the form can be reset. */
export function FilterButtons({ onClear }: { onClear?: () => void }) {
  return (
    <div className="filter-buttons">
      <button type="submit" className="primary">
        Filter
      </button>
      {onClear && (
        <button type="button" onClick={onClear}>
          Clear
        </button>
      )}
    </div>
  );
}
