import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client.ts';
import { Link, useRouter } from '../../components/router.tsx';
import { ErrorNotice } from '../../components/ui.tsx';
import { useSpeak } from '../../speak.tsx';
import { useCaseText } from './text.ts';
import type { CaseSummary } from './types.ts';

/**
 * Opens a case from an alert (pulling in its SIM, device, the device's other SIMs, cells, reports).
 * When a case already holds the alert, it asks first: one alert, one case, unless the analyst means it.
 */
export function OpenCaseButton({ alert }: { alert: { id: string; kind: string; msisdn: string } }) {
  const { c } = useCaseText();
  const { kindName, caseTitle } = useSpeak();
  const { navigate } = useRouter();
  const [failure, setFailure] = useState<Error>();
  const [existing, setExisting] = useState<CaseSummary[]>();
  const goTo = useRef<HTMLButtonElement>(null);
  // The question takes the focus, so a keyboard or screen-reader user meets it at once.
  useEffect(() => {
    if (existing) goTo.current?.focus();
  }, [existing]);
  const create = () =>
    void api
      .createCase({ title: `${kindName(alert.kind)} ${alert.msisdn}`, from: { alertId: alert.id } })
      .then((created) => navigate(`/cases/${created.id}`), setFailure);
  const ask = () =>
    void api.cases(undefined, alert.id).then((found) => {
      if (found.items.length === 0) create();
      else setExisting(found.items);
    }, setFailure);
  return (
    <div>
      <p>
        <button type="button" className="btn ghost small" data-open-case={alert.id} onClick={ask}>
          {c('openCase')} →
        </button>
      </p>
      {existing && (
        <div className="notice" role="alertdialog" aria-labelledby={`case-exists-${alert.id}`} data-case-exists>
          <p id={`case-exists-${alert.id}`}>
            {c('caseExists')}{' '}
            {existing.map((k, i) => (
              <span key={k.id}>
                {i > 0 ? ', ' : ''}
                <Link to={`/cases/${k.id}`}>{caseTitle(k.title)}</Link>
              </span>
            ))}
          </p>
          <div className="toolbar" style={{ flexWrap: 'wrap' }}>
            <button type="button" className="btn small" ref={goTo} onClick={() => navigate(`/cases/${existing[0].id}`)}>
              {c('openExisting')}
            </button>
            <button type="button" className="btn ghost small" data-open-anyway onClick={create}>
              {c('openAnyway')}
            </button>
            <button type="button" className="btn ghost small" onClick={() => setExisting(undefined)}>
              {c('cancel')}
            </button>
          </div>
        </div>
      )}
      <ErrorNotice error={failure} />
    </div>
  );
}
