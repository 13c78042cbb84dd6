/**
 * The Pulumi program: one stack = one student's (team's, environment's) clickstream lakehouse.
 *
 *   EventSource (source bucket + generator Lambda) -> EtlPipeline (Glue job)
 *     -> MedallionLakehouse (analytics bucket + Glue catalog) -> QueryLayer (Athena)
 *
 * Configuration is validated before any resource is declared (components/config.ts), so a bad
 * studentId or setting never leaves half a stack behind. docs/deploy.md lists every key.
 */
import * as pulumi from '@pulumi/pulumi';
import { ConfigError, loadStackConfig } from './components/config';
import { AthenaValidation } from './components/athena-validation';
import { OperationsDashboard } from './components/dashboard';
import { deployLakehouse, stackOutputs } from './components/lakehouse-stack';
import { names } from './components/naming';

const config = loadStackConfig(new pulumi.Config(), pulumi.getStack());
const region = new pulumi.Config('aws').get('region');
if (region === undefined || region === '') {
  throw new ConfigError("config aws:region: expected an AWS region, e.g. 'pulumi config set aws:region us-west-2'");
}

const lakehouse = deployLakehouse(config, { region, projectName: pulumi.getProject(), stackName: pulumi.getStack() });

// Post-deploy validation: the shared checks (etl/checks.ts, the ones `lakehouse check` runs
// locally) through Athena, re-run whenever the ETL code, SQL, tables or checks change.
const validation =
  config.validation === 'off'
    ? undefined
    : new AthenaValidation(
        'validation',
        {
          region,
          workgroup: lakehouse.queryLayer.workgroupName,
          databases: lakehouse.databases,
          failOnError: config.validation === 'enabled',
          timeoutSeconds: config.validationTimeoutSeconds,
          trigger: config.validationTrigger,
        },
        { dependsOn: [lakehouse.lakehouse, lakehouse.pipeline, lakehouse.queryLayer] },
      );

const dashboard = new OperationsDashboard(
  'operations',
  {
    dashboardName: names.dashboard(config.studentId),
    region,
    generatorFunctionName: lakehouse.source.function?.name,
    glueJobName: lakehouse.pipeline.jobName,
    athenaWorkgroupName: lakehouse.queryLayer.workgroupName,
    alarmArns: [lakehouse.pipeline.failureAlarm.arn],
  },
  { providers: [lakehouse.provider] },
);

const outputs = stackOutputs(lakehouse, region);
export const sourceBucketName = outputs.sourceBucketName;
export const analyticsBucketName = outputs.analyticsBucketName;
export const goldDatasetUri = outputs.goldDatasetUri;
export const queriesSqlUri = outputs.queriesSqlUri;
export const glueJobName = outputs.glueJobName;
export const athenaWorkgroup = outputs.athenaWorkgroup;
export const databases = outputs.databases;
export const generatorFunctionName = outputs.generatorFunctionName;
export const etlFailureTopicArn = outputs.etlFailureTopicArn;
export const consoleLinks = outputs.consoleLinks;
export const commands = outputs.commands;
export const dashboardUrl = dashboard.url;
export const validationSummary = validation?.summary;
