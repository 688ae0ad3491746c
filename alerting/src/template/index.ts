export {
  ALERT_TEMPLATE_FUNCTIONS,
  type AlertTemplateData,
  type CompiledAlertTemplate,
  compileAlertTemplate,
  expandAlertTemplate,
  humanize,
  humanize1024,
  humanizeDuration,
} from './template.js';
