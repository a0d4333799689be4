import { api } from '../../api/client.ts';
import { usePoll } from '../../components/hooks.ts';
import { useComplianceText } from './text.ts';

/** The count of suspension requests past their deadline, beside the page's link in the navigation. */
export function OverdueBadge() {
  const { c } = useComplianceText();
  const { data } = usePoll(() => api.complianceOverdue(), [], 60_000);
  if (!data || data.overdue === 0) return null;
  return (
    <span className="nav-count" data-nav-overdue={data.overdue} title={`${data.overdue} ${c('overdueNotice')}`}>
      {data.overdue}
    </span>
  );
}
