import { useAppStore } from '../../state/store';

/** Errors of the last load, each dismissable. */
export function ErrorBanner() {
  const errors = useAppStore((s) => s.errors);
  const dismiss = useAppStore((s) => s.dismissError);
  if (errors.length === 0) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      {errors.map((e, i) => (
        <div className="error-item" key={`${i}-${e}`}>
          <span>{e}</span>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(i)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
