import { useAppStore } from '../../state/store';
import { SHORTCUTS } from '../viewer/keyboard';

/** The list of shortcuts, over the page (press ? to open or close, Esc to close). */
export function KeyboardHelp() {
  const open = useAppStore((s) => s.helpOpen);
  const setOpen = useAppStore((s) => s.setHelpOpen);
  if (!open) return null;
  return (
    <div className="help-backdrop" onClick={() => setOpen(false)}>
      <div className="help-dialog" role="dialog" aria-modal="true" aria-label="Keyboard and mouse shortcuts" data-testid="keyboard-help" onClick={(e) => e.stopPropagation()}>
        <header className="help-header">
          <h2>Keyboard and mouse</h2>
          <button type="button" className="icon-button" aria-label="Close" data-testid="keyboard-help-close" onClick={() => setOpen(false)}>
            ×
          </button>
        </header>
        <div className="help-groups">
          {SHORTCUTS.map((g) => (
            <section key={g.group}>
              <h3>{g.group}</h3>
              <dl>
                {g.items.map((it) => (
                  <div className="help-item" key={it.keys}>
                    <dt>
                      <kbd>{it.keys}</kbd>
                    </dt>
                    <dd>{it.what}</dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </div>
      </div>
    </div>
  );
}

/** Opens and closes the shortcut list (also: the ? key). */
export function HelpButton() {
  const open = useAppStore((s) => s.helpOpen);
  const setOpen = useAppStore((s) => s.setHelpOpen);
  return (
    <button
      type="button"
      className={`button help-button${open ? ' active' : ''}`}
      data-testid="help-button"
      aria-pressed={open}
      title="Keyboard and mouse shortcuts (?)"
      onClick={() => setOpen(!open)}
    >
      ? Shortcuts
    </button>
  );
}
