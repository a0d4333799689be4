import { useState } from 'react';
import { api } from '../../api/client.ts';
import { useRouter } from '../../components/router.tsx';
import { ErrorNotice } from '../../components/ui.tsx';
import { useCaseText } from './text.ts';

/** Opens a case from an alert (pulling in its SIM, device, the device's other SIMs, cells, reports). */
export function OpenCaseButton({ alert }: { alert: { id: string; kind: string; msisdn: string } }) {
  const { c } = useCaseText();
  const { navigate } = useRouter();
  const [failure, setFailure] = useState<Error>();
  return (
    <p>
      <button
        type="button"
        className="btn ghost small"
        data-open-case={alert.id}
        onClick={() =>
          void api
            .createCase({ title: `${alert.kind} ${alert.msisdn}`, from: { alertId: alert.id } })
            .then((created) => navigate(`/cases/${created.id}`), setFailure)
        }
      >
        {c('openCase')} →
      </button>
      <ErrorNotice error={failure} />
    </p>
  );
}
