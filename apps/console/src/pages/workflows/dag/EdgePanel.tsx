import type { EdgeLabel } from '../../../api/workflow-types';
import { Field } from '../../../components/Field';
import type { WfEdge } from './flow-types';

interface EdgePanelProps {
  edge: WfEdge;
  fromDecision: boolean;
  readOnly: boolean;
  onLabel: (label: EdgeLabel) => void;
  onDelete: () => void;
}

/** The selected edge: its branch (edges out of a DECISION node) and deletion. */
export function EdgePanel({ edge, fromDecision, readOnly, onLabel, onDelete }: EdgePanelProps) {
  return (
    <fieldset disabled={readOnly}>
      <legend>
        Edge {edge.source} → {edge.target}
      </legend>
      {fromDecision ? (
        <Field id="edge-label" label="Edge label" hint="The decision outcome that takes this edge">
          {(p) => (
            <select {...p} value={edge.data?.label ?? 'true'} onChange={(e) => onLabel(e.target.value as EdgeLabel)}>
              <option value="true">true</option>
              <option value="false">false</option>
            </select>
          )}
        </Field>
      ) : (
        <p className="muted">Only edges out of a DECISION node carry a label.</p>
      )}
      {edge.data?.errors && (
        <div className="field-error" role="alert">
          {edge.data.errors.map((e) => (
            <p key={e}>{e}</p>
          ))}
        </div>
      )}
      {!readOnly && (
        <button type="button" className="danger" onClick={onDelete}>
          Delete edge
        </button>
      )}
    </fieldset>
  );
}
